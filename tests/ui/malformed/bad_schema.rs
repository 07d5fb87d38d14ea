use retort::Model;

#[derive(Model)]
#[model(schema = "")]
pub struct Invoice {
    pub id: i64,
}

#[derive(Model)]
#[model(schema = "bil-ling")]
pub struct Payment {
    pub id: i64,
}

#[derive(Model)]
#[model(schema = 3)]
pub struct Refund {
    pub id: i64,
}

#[derive(Model)]
#[model(schema = "billing", schema = "sales")]
pub struct Receipt {
    pub id: i64,
    #[model(references = "billing.invoices.id.x")]
    pub invoice_id: i64,
    #[model(references = "bil-ling.invoices.id")]
    pub other_id: i64,
}

#[derive(Model)]
#[model(foreign_key(columns("a"), references = "billing.in.voices(id)"))]
pub struct Credit {
    pub id: i64,
    pub a: i64,
}

fn main() {}
