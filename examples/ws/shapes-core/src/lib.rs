//! Core shape types and traits shared by the example workspace.
//!
//! The concrete shapes live in [`geometry::shapes`]; [`Point`] is defined in
//! the crate-private `geometry::util` module and re-exported here.

pub mod geometry;

#[cfg(feature = "extra")]
pub mod extra;

pub use geometry::shapes::{Circle, Rectangle, Triangle};
pub use geometry::util::Point;

use std::fmt;

/// The circle constant used by all circular shapes.
pub const PI: f64 = std::f64::consts::PI;

/// Default number of decimal places used when formatting measurements.
pub static DEFAULT_PRECISION: usize = 2;

/// Result of a fallible shape construction.
pub type ShapeResult<T> = Result<T, ShapeError>;

/// Errors that can occur when constructing a shape.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeError {
    /// A dimension that must be positive was zero or negative.
    NonPositive(&'static str),
    /// The three side lengths violate the triangle inequality.
    InvalidTriangle { a: f64, b: f64, c: f64 },
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapeError::NonPositive(what) => write!(f, "{what} must be positive"),
            ShapeError::InvalidTriangle { a, b, c } => {
                write!(f, "sides {a}, {b}, {c} do not form a triangle")
            }
        }
    }
}

impl std::error::Error for ShapeError {}

/// The kind of a shape, used for labelling and grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShapeKind {
    /// A circle.
    Circle,
    /// An axis-aligned rectangle.
    Rectangle,
    /// A triangle given by its side lengths.
    Triangle,
    /// Any shape defined outside the core set.
    Other,
}

/// A closed two-dimensional figure with an area and a perimeter.
pub trait Shape {
    /// Returns the enclosed area.
    fn area(&self) -> f64;

    /// Returns the length of the boundary.
    fn perimeter(&self) -> f64;

    /// Returns the kind of this shape.
    fn kind(&self) -> ShapeKind;

    /// Returns a one-line human-readable description (default method).
    fn describe(&self) -> String {
        format!("{:?} with area {:.2}", self.kind(), self.area())
    }
}

/// A shape that can be scaled uniformly, producing a new shape.
pub trait Scalable: Shape {
    /// The shape type produced by scaling.
    type Output: Shape;

    /// Returns a copy scaled by `factor` in every dimension.
    fn scale(&self, factor: f64) -> Self::Output;
}

/// Sums the areas of a slice of boxed shapes.
pub fn total_area(shapes: &[Box<dyn Shape>]) -> f64 {
    shapes.iter().map(|s| s.area()).sum()
}

/// Builds a `Vec<Box<dyn Shape>>` from a comma-separated list of shapes.
#[macro_export]
macro_rules! shapes {
    ($($shape:expr),* $(,)?) => {
        vec![$(Box::new($shape) as Box<dyn $crate::Shape>),*]
    };
}
