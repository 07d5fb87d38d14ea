// @generated automatically by Retort from the models: do not edit.
// Regenerate with `retort_cases print-schema`.

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

diesel::joinable!(posts -> users (author_id));

diesel::allow_tables_to_appear_in_same_query!(posts, reviews, users,);
