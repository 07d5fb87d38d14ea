// @generated automatically by Retort from the models: do not edit.
// Regenerate with `retort_cases print-schema`.

pub mod sql_types {
    /// The `mood` SQL type.
    #[derive(Debug, Clone, Copy, diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "mood"))]
    pub struct Mood;
}

diesel::table! {
    members (id) {
        id -> Int8,
        team_id -> Int8,
    }
}

diesel::table! {
    /// A post's tags, keyed tag first: the struct lists the key in its order, print-schema
    /// writes `post_tags (tag, post_id)`, and diesel's `find((tag, post_id))` follows it.
    post_tags (tag, post_id) {
        post_id -> Int8,
        tag -> Text,
        weight -> Int4,
    }
}

diesel::table! {
    posts (id) {
        id -> Int8,
        author_id -> Int8,
        title -> Text,
        published -> Bool,
    }
}

diesel::table! {
    /// Two keys to `users`: diesel cannot tell which to join on, so no `joinable!`.
    reviews (id) {
        id -> Int8,
        reviewer_id -> Int8,
        reviewee_id -> Int8,
        stars -> Int2,
    }
}

diesel::table! {
    /// Keys both ways between `teams` and `members`: two `joinable!` of one pair would
    /// conflict (E0119), so, as diesel_cli does, neither is written.
    teams (id) {
        id -> Int8,
        captain_id -> Nullable<Int8>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Mood;

    /// People who write.
    users (id) {
        id -> Int8,
        /// One account per address.
        #[max_length = 100]
        email -> Varchar,
        /// A keyword as a column name: `type_` in Rust.
        #[sql_name = "type"]
        type_ -> Text,
        score -> Float8,
        avatar -> Nullable<Bytea>,
        /// An enum: a custom SQL type on PostgreSQL, `Text` on SQLite.
        mood -> Nullable<Mood>,
    }
}

// The view `author_stats`: diesel's table! needs a primary key, so its key here is
// (author_id), from #[view(key = "...")].
diesel::table! {
    author_stats (author_id) {
        email -> Text,
        author_id -> Int8,
        posts -> Int8,
    }
}

// Left out, as diesel's table! needs a primary key: post_views.

diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(posts -> users (author_id));

diesel::allow_tables_to_appear_in_same_query!(
    members,
    post_tags,
    posts,
    reviews,
    teams,
    users,
    author_stats,
);
