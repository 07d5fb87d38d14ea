// @generated automatically by Retort from the models: do not edit.
// Regenerate with `retort_cases print-schema`.

diesel::table! {
    members (id) {
        id -> BigInt,
        team_id -> BigInt,
    }
}

diesel::table! {
    /// A post's tags, keyed tag first: the struct lists the key in its order, print-schema
    /// writes `post_tags (tag, post_id)`, and diesel's `find((tag, post_id))` follows it.
    post_tags (tag, post_id) {
        post_id -> BigInt,
        tag -> Text,
        weight -> Integer,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        author_id -> BigInt,
        title -> Text,
        published -> Bool,
    }
}

diesel::table! {
    /// Two keys to `users`: diesel cannot tell which to join on, so no `joinable!`.
    reviews (id) {
        id -> BigInt,
        reviewer_id -> BigInt,
        reviewee_id -> BigInt,
        stars -> SmallInt,
    }
}

diesel::table! {
    /// Keys both ways between `teams` and `members`: two `joinable!` of one pair would
    /// conflict (E0119), so, as diesel_cli does, neither is written.
    teams (id) {
        id -> BigInt,
        captain_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// People who write.
    users (id) {
        id -> BigInt,
        /// One account per address.
        email -> Text,
        /// A keyword as a column name: `type_` in Rust.
        #[sql_name = "type"]
        type_ -> Text,
        score -> Double,
        avatar -> Nullable<Binary>,
        /// An enum: a custom SQL type on PostgreSQL, `Text` on SQLite.
        mood -> Nullable<Text>,
    }
}

// The view `author_stats`: diesel's table! needs a primary key, so its key here is
// (author_id), from #[view(key = "...")].
diesel::table! {
    author_stats (author_id) {
        email -> Text,
        author_id -> BigInt,
        posts -> BigInt,
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
