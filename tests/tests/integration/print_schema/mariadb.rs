// @generated automatically by Retort from the models: do not edit.
// Regenerate with `retort_custom print-schema`.

diesel::table! {
    /// A comment on a post.
    comments (id) {
        id -> Bigint,
        post_id -> Bigint,
        author_id -> Nullable<Bigint>,
        body -> Text,
        created_at -> Datetime,
    }
}

diesel::table! {
    /// Which tags a post carries: a composite primary key.
    post_tags (post_id, tag_id) {
        post_id -> Bigint,
        tag_id -> Bigint,
    }
}

diesel::table! {
    /// A blog post.
    posts (id) {
        id -> Bigint,
        author_id -> Bigint,
        #[max_length = 200]
        title -> Varchar,
        body -> Text,
        published -> Bool,
        published_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    /// A label for posts.
    tags (id) {
        id -> Bigint,
        #[max_length = 64]
        name -> Varchar,
    }
}

diesel::table! {
    /// People who write posts and comments.
    users (id) {
        id -> Bigint,
        #[max_length = 255]
        email -> Varchar,
        #[max_length = 100]
        display_name -> Varchar,
        bio -> Nullable<Text>,
        created_at -> Datetime,
    }
}

diesel::joinable!(comments -> posts (post_id));
diesel::joinable!(comments -> users (author_id));
diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(post_tags -> tags (tag_id));
diesel::joinable!(posts -> users (author_id));

diesel::allow_tables_to_appear_in_same_query!(comments, post_tags, posts, tags, users,);
