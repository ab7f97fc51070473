//! Text rendering of `shapes-core` shapes.
//!
//! A [`Scene`] holds boxed shapes; a [`Renderer`] turns each one into a line.

use shapes_core::{Circle, Point, Rectangle, Scalable, Shape, ShapeKind, ShapeResult};

/// A titled collection of shapes rendered together.
pub struct Scene {
    /// Title printed above the rendered shapes.
    pub title: String,
    shapes: Vec<Box<dyn Shape>>,
}

impl Scene {
    /// Creates an empty scene with the given title.
    pub fn new(title: impl Into<String>) -> Self {
        Scene { title: title.into(), shapes: Vec::new() }
    }

    /// Adds a shape to the scene.
    pub fn add<S: Shape + 'static>(&mut self, shape: S) -> &mut Self {
        self.shapes.push(Box::new(shape));
        self
    }

    /// Adds already-boxed shapes, e.g. from the `shapes!` macro.
    pub fn extend(&mut self, shapes: Vec<Box<dyn Shape>>) {
        self.shapes.extend(shapes);
    }

    /// Returns the combined area of all shapes.
    pub fn total_area(&self) -> f64 {
        shapes_core::total_area(&self.shapes)
    }

    /// Returns the shape with the largest area, if any.
    pub fn largest(&self) -> Option<&dyn Shape> {
        largest(&self.shapes)
    }

    /// Renders the whole scene with `renderer`, one line per shape.
    pub fn render<R: Renderer>(&self, renderer: &R) -> String {
        let mut out = renderer.header(&self.title);
        for shape in &self.shapes {
            out.push('\n');
            out.push_str(&renderer.render_shape(shape.as_ref()));
        }
        out
    }
}

/// Turns shapes into text.
pub trait Renderer {
    /// Renders a single shape as one line of text.
    fn render_shape(&self, shape: &dyn Shape) -> String;

    /// Renders the scene header (default method).
    fn header(&self, title: &str) -> String {
        format!("== {title} ==")
    }
}

/// Renders each shape with its kind, area and perimeter.
pub struct TextRenderer {
    /// Decimal places used for measurements.
    pub precision: usize,
}

impl Default for TextRenderer {
    fn default() -> Self {
        TextRenderer { precision: shapes_core::DEFAULT_PRECISION }
    }
}

impl Renderer for TextRenderer {
    fn render_shape(&self, shape: &dyn Shape) -> String {
        let p = self.precision;
        format!(
            "{:<9} area={:.p$} perimeter={:.p$}",
            kind_label(shape.kind()),
            shape.area(),
            shape.perimeter()
        )
    }
}

/// Renders each shape using its own [`Shape::describe`] text.
pub struct SummaryRenderer;

impl Renderer for SummaryRenderer {
    fn render_shape(&self, shape: &dyn Shape) -> String {
        format!("- {}", shape.describe())
    }

    fn header(&self, title: &str) -> String {
        format!("# {title}")
    }
}

/// Returns a short lowercase label for a shape kind.
pub fn kind_label(kind: ShapeKind) -> &'static str {
    match kind {
        ShapeKind::Circle => "circle",
        ShapeKind::Rectangle => "rectangle",
        ShapeKind::Triangle => "triangle",
        ShapeKind::Other => "other",
    }
}

/// Returns the shape with the largest area in `shapes`, if any.
pub fn largest(shapes: &[Box<dyn Shape>]) -> Option<&dyn Shape> {
    shapes.iter().map(|s| s.as_ref()).max_by(|a, b| a.area().total_cmp(&b.area()))
}

/// Returns the unit circle centred on the origin.
pub fn unit_circle() -> Circle {
    Circle::new(Point::ORIGIN, 1.0).expect("radius 1 is positive")
}

/// Returns a copy of `rect` scaled by two in each dimension.
pub fn enlarge(rect: &Rectangle) -> Rectangle {
    rect.scale(2.0)
}

/// Builds the demo scene used by `shapes-cli`.
pub fn demo_scene() -> ShapeResult<Scene> {
    let mut scene = Scene::new("demo");
    scene.add(unit_circle()).add(enlarge(&Rectangle::new(Point::new(1.0, 1.0), 2.0, 3.0)?));
    Ok(scene)
}
