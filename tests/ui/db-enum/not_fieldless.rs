use retort::DbEnum;

#[derive(DbEnum)]
pub enum Shape {
    Point,
    Circle(f64),
    Rect { w: f64, h: f64 },
}

#[derive(DbEnum)]
pub struct NotAnEnum {
    pub id: i64,
}

fn main() {
    // The placeholder impls keep these from adding errors of their own.
    let _ = <Shape as retort::DbEnum>::NAME;
    let _ = <NotAnEnum as retort::ColumnType>::sql_type;
}
