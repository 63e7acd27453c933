//! PLACEHOLDER until the figure scanner lands (same interface): finds nothing.
use crate::text::Folded;

#[derive(Debug, Default)]
pub struct Scanner;
impl Scanner {
    pub fn new() -> Scanner { Scanner }
    pub fn scan(&self, _text: &Folded<'_>, _reference: Option<Date>, _out: &mut Vec<FigureMatch>) {}
}
#[derive(Debug, Clone, PartialEq)]
pub struct FigureMatch { pub start: usize, pub end: usize, pub figure: Figure }
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub kind: FigureKind, pub value: f64, pub value_max: Option<f64>, pub unit: String,
    pub date: String, pub approximate: bool, pub qualifier: Qualifier,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)] pub enum FigureKind { Cardinal, Ordinal, Money, Percent, Date, Quantity, Duration }
#[derive(Debug, Clone, Copy, PartialEq, Eq)] pub enum Qualifier { None, AtLeast, AtMost, About, MoreThan, LessThan, UpTo, Nearly, Exactly }
#[derive(Debug, Clone, Copy, PartialEq, Eq)] pub struct Date { pub year: i32, pub month: u8, pub day: u8 }
impl Date {
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' { return None; }
        let year: i32 = s[0..4].parse().ok()?; let month: u8 = s[5..7].parse().ok()?; let day: u8 = s[8..10].parse().ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > 31 { return None; }
        Some(Date { year, month, day })
    }
}
