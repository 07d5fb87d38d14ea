-- removed table 'post_tags'
DROP TABLE "post_tags";

-- removed table 'comments'
DROP TABLE "comments";

-- removed table 'posts'
DROP TABLE "posts";

-- removed table 'users'
DROP TABLE "users";

-- removed table 'tags'
DROP TABLE "tags";

