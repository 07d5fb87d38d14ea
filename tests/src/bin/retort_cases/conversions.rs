//! Models for `tests/integration/conversions.rs` (`--using`, `--using-down`), selected with
//! `RETORT_CASE=conversions::orders/before` (or `/after`). Not cases of the round-trip suite:
//! their flags differ per backend (the expressions are each backend's SQL).

pub mod orders {
    pub mod before {
        use retort::Model;

        #[derive(Model)]
        pub struct Order {
            pub id: i64,
            // What users typed: `12 pcs`, `7`, `about 30`.
            #[model(index)]
            pub qty: String,
            // True while the order is open.
            pub state: bool,
            pub note: String,
        }
    }

    pub mod after {
        use retort::{DbEnum, Model};

        #[derive(DbEnum)]
        pub enum OrderState {
            Open,
            Closed,
        }

        #[derive(Model)]
        pub struct Order {
            pub id: i64,
            #[model(index)]
            pub qty: i32,
            pub state: OrderState,
            pub note: String,
        }
    }
}

/// `orders` for MariaDB, which keys a TEXT column only by a prefix of it: the same models, the
/// index on `qty` declared with one before the conversion.
pub mod orders_mariadb {
    pub mod before {
        use retort::Model;

        #[derive(Model)]
        #[model(table = "orders", index(columns("qty"), prefix(qty = 20)))]
        pub struct Order {
            pub id: i64,
            pub qty: String,
            pub state: bool,
            pub note: String,
        }
    }

    pub mod after {
        use retort::{DbEnum, Model};

        #[derive(DbEnum)]
        pub enum OrderState {
            Open,
            Closed,
        }

        #[derive(Model)]
        pub struct Order {
            pub id: i64,
            #[model(index)]
            pub qty: i32,
            pub state: OrderState,
            pub note: String,
        }
    }
}
