//! Extra shapes, only compiled with the `extra` feature.

use crate::{Shape, ShapeKind, PI};

/// An axis-aligned ellipse given by its semi-axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Ellipse {
    /// Semi-major axis (the longer one).
    pub semi_major: f64,
    /// Semi-minor axis (the shorter one).
    pub semi_minor: f64,
}

impl Shape for Ellipse {
    fn area(&self) -> f64 {
        PI * self.semi_major * self.semi_minor
    }
    fn perimeter(&self) -> f64 {
        // Ramanujan's approximation.
        let (a, b) = (self.semi_major, self.semi_minor);
        PI * (3.0 * (a + b) - ((3.0 * a + b) * (a + 3.0 * b)).sqrt())
    }
    fn kind(&self) -> ShapeKind {
        ShapeKind::Other
    }
}

/// Returns the eccentricity of `ellipse` (0 for a circle).
pub fn eccentricity(ellipse: &Ellipse) -> f64 {
    let ratio = ellipse.semi_minor / ellipse.semi_major;
    (1.0 - ratio * ratio).sqrt()
}
