//! `shapes-cli`: builds a scene of shapes and prints it with both renderers.

use shapes_core::{shapes, Circle, Point, Scalable, Triangle};
use shapes_render::{demo_scene, unit_circle, Renderer, SummaryRenderer, TextRenderer};

/// Number of times the unit circle is doubled in the growth demo.
const GROWTH_STEPS: u32 = 3;

fn main() {
    if let Err(err) = run() {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

/// Builds the scenes and prints them; returns the first construction error.
fn run() -> shapes_core::ShapeResult<()> {
    let mut scene = demo_scene()?;
    scene.add(Triangle::new(3.0, 4.0, 5.0)?);
    scene.extend(shapes![Circle::new(Point::new(2.0, 2.0), 0.5)?]);

    println!("{}", scene.render(&TextRenderer::default()));
    println!();
    println!("{}", scene.render(&SummaryRenderer));
    println!();
    println!("total area: {:.2}", scene.total_area());
    if let Some(big) = scene.largest() {
        println!("largest: {}", big.describe());
    }

    let mut circle = unit_circle();
    for step in 1..=GROWTH_STEPS {
        circle = circle.scale(2.0);
        println!("step {step}: {}", TextRenderer { precision: 1 }.render_shape(&circle));
    }
    Ok(())
}
