//! Concrete shapes implementing [`Shape`] and [`Scalable`].

use super::util::{require_positive, Point};
use crate::{Scalable, Shape, ShapeError, ShapeKind, ShapeResult, PI};

/// A circle given by its center and radius.
#[derive(Debug, Clone, PartialEq)]
pub struct Circle {
    /// Center of the circle.
    pub center: Point,
    /// Radius; always positive.
    pub radius: f64,
}

impl Circle {
    /// Creates a circle, rejecting non-positive radii.
    pub fn new(center: Point, radius: f64) -> ShapeResult<Self> {
        Ok(Circle { center, radius: require_positive(radius, "radius")? })
    }
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        PI * self.radius * self.radius
    }
    fn perimeter(&self) -> f64 {
        2.0 * PI * self.radius
    }
    fn kind(&self) -> ShapeKind {
        ShapeKind::Circle
    }
}

impl Scalable for Circle {
    type Output = Circle;
    fn scale(&self, factor: f64) -> Circle {
        Circle { center: self.center, radius: self.radius * factor }
    }
}

/// An axis-aligned rectangle anchored at its lower-left corner.
#[derive(Debug, Clone, PartialEq)]
pub struct Rectangle {
    /// Lower-left corner.
    pub origin: Point,
    /// Extent along the x axis.
    pub width: f64,
    /// Extent along the y axis.
    pub height: f64,
}

impl Rectangle {
    /// Creates a rectangle, rejecting non-positive dimensions.
    pub fn new(origin: Point, width: f64, height: f64) -> ShapeResult<Self> {
        Ok(Rectangle {
            origin,
            width: require_positive(width, "width")?,
            height: require_positive(height, "height")?,
        })
    }

    /// Returns true if width equals height.
    pub fn is_square(&self) -> bool {
        self.width == self.height
    }
}

impl Shape for Rectangle {
    fn area(&self) -> f64 {
        self.width * self.height
    }
    fn perimeter(&self) -> f64 {
        2.0 * (self.width + self.height)
    }
    fn kind(&self) -> ShapeKind {
        ShapeKind::Rectangle
    }
    fn describe(&self) -> String {
        format!("{}x{} rectangle", self.width, self.height)
    }
}

impl Scalable for Rectangle {
    type Output = Rectangle;
    fn scale(&self, factor: f64) -> Rectangle {
        Rectangle { origin: self.origin, width: self.width * factor, height: self.height * factor }
    }
}

/// A triangle described by its three side lengths.
#[derive(Debug, Clone, PartialEq)]
pub struct Triangle {
    sides: [f64; 3],
}

impl Triangle {
    /// Creates a triangle, checking the triangle inequality.
    pub fn new(a: f64, b: f64, c: f64) -> ShapeResult<Self> {
        if a + b > c && a + c > b && b + c > a {
            Ok(Triangle { sides: [a, b, c] })
        } else {
            Err(ShapeError::InvalidTriangle { a, b, c })
        }
    }

    /// Returns the three side lengths.
    pub fn sides(&self) -> [f64; 3] {
        self.sides
    }
}

impl Shape for Triangle {
    fn area(&self) -> f64 {
        // Heron's formula.
        let [a, b, c] = self.sides;
        let s = (a + b + c) / 2.0;
        (s * (s - a) * (s - b) * (s - c)).sqrt()
    }
    fn perimeter(&self) -> f64 {
        self.sides.iter().sum()
    }
    fn kind(&self) -> ShapeKind {
        ShapeKind::Triangle
    }
}
