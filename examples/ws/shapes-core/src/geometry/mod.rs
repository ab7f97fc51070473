//! Geometry: concrete shapes and the math helpers behind them.

pub mod shapes;
pub(crate) mod util;
