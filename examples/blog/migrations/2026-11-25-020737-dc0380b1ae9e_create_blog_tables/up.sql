-- added table 'tags'
CREATE TABLE "tags" (
    "id" INTEGER NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "uq_tags_name" ON "tags" ("name");

-- added table 'users'
CREATE TABLE "users" (
    "id" INTEGER NOT NULL,
    "email" VARCHAR(255) NOT NULL,
    "display_name" VARCHAR(100) NOT NULL,
    "bio" TEXT,
    "created_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email");

-- added table 'posts'
CREATE TABLE "posts" (
    "id" INTEGER NOT NULL,
    "author_id" BIGINT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "body" TEXT NOT NULL,
    "published" BOOLEAN NOT NULL DEFAULT false,
    "published_at" TIMESTAMP,
    PRIMARY KEY ("id"),
    CONSTRAINT "fk_posts_author_id_users" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_posts_author_id" ON "posts" ("author_id");

-- added table 'comments'
CREATE TABLE "comments" (
    "id" INTEGER NOT NULL,
    "post_id" BIGINT NOT NULL,
    "author_id" BIGINT,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("id"),
    CONSTRAINT "fk_comments_author_id_users" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE SET NULL,
    CONSTRAINT "fk_comments_post_id_posts" FOREIGN KEY ("post_id") REFERENCES "posts" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_comments_post_id" ON "comments" ("post_id");

-- added table 'post_tags'
CREATE TABLE "post_tags" (
    "post_id" BIGINT NOT NULL,
    "tag_id" BIGINT NOT NULL,
    PRIMARY KEY ("post_id", "tag_id"),
    CONSTRAINT "fk_post_tags_post_id_posts" FOREIGN KEY ("post_id") REFERENCES "posts" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_post_tags_tag_id_tags" FOREIGN KEY ("tag_id") REFERENCES "tags" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_post_tags_tag_id_post_id" ON "post_tags" ("tag_id", "post_id");

