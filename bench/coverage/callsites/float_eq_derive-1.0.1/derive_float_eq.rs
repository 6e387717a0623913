// Follows float_eq's "How to derive the traits" guide and the `derive_float_eq` docs:
// required ulps_tol/debug_ulps_diff names, optional *_derive lists and all_tol,
// on named, tuple and unit structs.
// dependency: float_eq = { version = "1.0.1", features = ["derive"] }
use float_eq::{assert_float_eq, derive_float_eq, float_eq};

#[derive_float_eq(
    ulps_tol = "PointUlps",
    ulps_tol_derive = "Clone, Copy, Debug, PartialEq",
    debug_ulps_diff = "PointDebugUlpsDiff",
    debug_ulps_diff_derive = "Clone, Copy, Debug, PartialEq",
    all_tol = "f64"
)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive_float_eq(
    ulps_tol = "ColorUlps",
    debug_ulps_diff = "ColorDebugUlpsDiff",
    debug_ulps_diff_derive = "Debug"
)]
#[derive(Debug, Clone, Copy, PartialEq)]
struct Color(f32, f32, f32, f32);

#[derive_float_eq(
    ulps_tol = "SegmentUlps",
    ulps_tol_derive = "Debug, Clone",
    debug_ulps_diff = "SegmentDebugUlpsDiff",
    debug_ulps_diff_derive = "Debug, Clone",
    all_tol = "f64"
)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub start: Point,
    pub end: Point,
    pub weight: f64,
}

#[derive_float_eq(
    ulps_tol = "OriginUlps",
    debug_ulps_diff = "OriginDebugUlpsDiff",
    all_tol = "f32"
)]
#[derive(Debug, PartialEq)]
struct Origin;

fn main() {
    let a = Point { x: 1.0, y: -2.0 };
    let b = Point { x: 1.000_000_000_000_000_2, y: -2.0 };
    assert_float_eq!(a, b, ulps <= PointUlps { x: 1, y: 1 });
    assert!(float_eq!(a, b, abs_all <= 0.000_1));

    let c = Color(0.5, 0.25, 0.125, 1.0);
    assert_float_eq!(c, c, rmax <= Color(0.0, 0.0, 0.0, 0.0));

    let s = Segment { start: a, end: b, weight: 0.5 };
    assert_float_eq!(s, s, r2nd_all <= 0.01);
    assert!(float_eq!(Origin, Origin, ulps_all <= 0));
}
