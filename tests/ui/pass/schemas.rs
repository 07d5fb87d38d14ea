//! `schema = "..."`: a table of another PostgreSQL schema, keyed `schema.table`, and foreign
//! keys to it in both spellings.

use retort::Model;

#[derive(Model)]
#[model(schema = "billing", renamed_from = "bills")]
pub struct Invoice {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub total: i64,
}

#[derive(Model)]
#[model(foreign_key(columns("invoice_id"), references = "billing.invoices(id)"))]
pub struct Payment {
    #[model(primary_key)]
    pub id: i64,
    #[model(references = "billing.invoices.id")]
    pub invoice_id: i64,
}

#[derive(Model)]
#[model(schema = "archive", renamed_from = "billing.old_receipts")]
pub struct Receipt {
    pub id: i64,
}

fn main() {
    assert_eq!(
        Receipt::table().renamed_from.as_deref(),
        Some("billing.old_receipts")
    );
    assert_eq!(Invoice::TABLE, "billing.invoices");
    let invoice = Invoice::table();
    assert_eq!(invoice.name, "billing.invoices");
    assert_eq!(invoice.renamed_from.as_deref(), Some("billing.bills"));
    assert_eq!(invoice.indexes[0].name, "ix_invoices_total");
    let payment = Payment::table();
    assert_eq!(payment.name, "payments");
    assert_eq!(payment.foreign_keys.len(), 2);
    for fk in &payment.foreign_keys {
        assert_eq!(fk.ref_table, "billing.invoices");
        assert_eq!(fk.name, "fk_payments_invoice_id_invoices");
    }
}
