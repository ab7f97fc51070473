//! Crate-private helpers; [`Point`] is re-exported at the crate root.

/// A point in the Euclidean plane.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f64,
    /// Vertical coordinate.
    pub y: f64,
}

impl Point {
    /// The origin `(0, 0)`.
    pub const ORIGIN: Point = Point { x: 0.0, y: 0.0 };

    /// Creates a point from its coordinates.
    pub fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    /// Returns the Euclidean distance to `other`.
    pub fn distance_to(&self, other: &Point) -> f64 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2)).sqrt()
    }
}

/// Checks that `value` is strictly positive, naming it in the error.
pub(crate) fn require_positive(value: f64, what: &'static str) -> crate::ShapeResult<f64> {
    if value > 0.0 {
        Ok(value)
    } else {
        Err(crate::ShapeError::NonPositive(what))
    }
}
