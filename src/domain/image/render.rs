//! The `local` backend: a procedural renderer, NOT an image model. It paints a picture of
//! the requested size from the prompt, the style and a seed, deterministically (the same
//! three give the same bytes), so development, tests and the quickstart leave a real PNG
//! without a network or an API key. Each of Project-AI's ten styles has its own look; the
//! prompt shifts the colours and shapes.

use sha2::{Digest, Sha256};

type Rgb = [f32; 3];

/// Project-AI's ten styles.
pub const STYLES: &[&str] = &[
    "photorealistic",
    "digital_art",
    "oil_painting",
    "watercolor",
    "anime",
    "cyberpunk",
    "fantasy",
    "minimalist",
    "abstract",
    "cinematic",
];

/// A seed from the prompt and style, for requests that give none.
pub fn derived_seed(prompt: &str, style: &str) -> u64 {
    let digest = Sha256::new()
        .chain_update(prompt.as_bytes())
        .chain_update([0])
        .chain_update(style.as_bytes())
        .finalize();
    u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}

/// A hash of integer coordinates to [0, 1), the basis of the noise.
fn hash(x: i64, y: i64, seed: u64) -> f32 {
    let mut h = seed
        ^ (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    (h >> 40) as f32 / (1u64 << 24) as f32
}

fn smooth(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

/// Value noise at (x, y), in [0, 1).
fn noise(x: f32, y: f32, seed: u64) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (smooth(x - x0), smooth(y - y0));
    let (ix, iy) = (x0 as i64, y0 as i64);
    let top = lerp(hash(ix, iy, seed), hash(ix + 1, iy, seed), fx);
    let bottom = lerp(hash(ix, iy + 1, seed), hash(ix + 1, iy + 1, seed), fx);
    lerp(top, bottom, fy)
}

/// Fractal noise: four octaves.
fn fbm(x: f32, y: f32, seed: u64) -> f32 {
    let (mut sum, mut amplitude, mut frequency) = (0.0, 0.5, 1.0);
    for octave in 0..4 {
        sum += amplitude * noise(x * frequency, y * frequency, seed.wrapping_add(octave));
        amplitude *= 0.5;
        frequency *= 2.0;
    }
    sum / 0.9375
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        lerp(a[0], b[0], t),
        lerp(a[1], b[1], t),
        lerp(a[2], b[2], t),
    ]
}

fn scale(c: Rgb, k: f32) -> Rgb {
    [c[0] * k, c[1] * k, c[2] * k]
}

/// A colour from hue (turns), saturation and value.
fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let h = h.rem_euclid(1.0) * 6.0;
    let f = h - h.floor();
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    match h as u32 {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

/// What every style draws with: the seed and a few numbers drawn from it.
struct Scene {
    seed: u64,
    hue: f32,
    shapes: Vec<(f32, f32, f32, f32)>,
}

impl Scene {
    fn new(seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let shapes = (0..24)
            .map(|_| (rng.f32(), rng.f32(), 0.03 + rng.f32() * 0.22, rng.f32()))
            .collect();
        Scene {
            seed,
            hue: rng.f32(),
            shapes,
        }
    }

    /// The colour at (u, v), both in [0, 1), v downwards, for `style`.
    fn pixel(&self, style: &str, u: f32, v: f32, aspect: f32) -> Rgb {
        let (s, h) = (self.seed, self.hue);
        let n = fbm(u * 4.0 * aspect, v * 4.0, s);
        match style {
            "photorealistic" => {
                let horizon = 0.62 + 0.05 * (fbm(u * 3.0, 0.5, s ^ 7) - 0.5);
                if v < horizon {
                    let sky = mix([0.35, 0.55, 0.85], [0.85, 0.9, 0.97], v / horizon);
                    let sun = (1.0 - ((u - 0.72).hypot(v - 0.25) / 0.08)).clamp(0.0, 1.0);
                    let cloud =
                        ((fbm(u * 6.0 * aspect, v * 12.0, s ^ 3) - 0.55) * 3.0).clamp(0.0, 1.0);
                    mix(mix(sky, [1.0, 0.97, 0.85], sun), [0.97, 0.97, 0.98], cloud)
                } else {
                    let depth = (v - horizon) / (1.0 - horizon);
                    let grass = hsv(0.22 + 0.08 * h, 0.55, 0.25 + 0.35 * n);
                    scale(
                        mix(
                            grass,
                            [0.35, 0.28, 0.18],
                            fbm(u * 30.0, v * 30.0, s ^ 11) * 0.5,
                        ),
                        0.7 + 0.3 * depth,
                    )
                }
            }
            "digital_art" => {
                let mut c = mix(hsv(h, 0.9, 0.9), hsv(h + 0.5, 0.9, 0.6), v);
                for &(x, y, r, k) in &self.shapes {
                    if (u - x).abs() * aspect + (v - y).abs() < r {
                        c = mix(c, hsv(h + k, 1.0, 1.0), 0.55);
                    }
                }
                c
            }
            "oil_painting" => {
                let stroke = fbm(u * 40.0 * aspect, v * 6.0, s ^ 5);
                let field = (n * 6.0).floor() / 6.0;
                scale(
                    hsv(h + field * 0.3, 0.6, 0.35 + 0.5 * field),
                    0.75 + 0.4 * stroke,
                )
            }
            "watercolor" => {
                let mut c: Rgb = [0.97, 0.95, 0.9];
                for &(x, y, r, k) in self.shapes.iter().take(8) {
                    let d = (u - x).hypot((v - y) / aspect) / (r * 1.6) + 0.3 * (n - 0.5);
                    if d < 1.0 {
                        let edge = 0.35 + 0.65 * smooth(d);
                        c = mix(c, hsv(h + k * 0.4, 0.45, 0.85), 0.35 * edge);
                    }
                }
                c
            }
            "anime" => {
                let hill = 0.65 + 0.12 * (u * 6.0 + h * 6.0).sin() * (u * 2.3).cos();
                if (v - hill).abs() < 0.006 {
                    [0.1, 0.08, 0.12]
                } else if v > hill {
                    hsv(0.3 + 0.1 * h, 0.55, if n > 0.5 { 0.7 } else { 0.55 })
                } else {
                    hsv(
                        0.58,
                        0.5,
                        [0.95, 0.85, 0.75][(v * 3.0 / hill).min(2.0) as usize],
                    )
                }
            }
            "cyberpunk" => {
                let base = mix([0.05, 0.0, 0.1], [0.25, 0.0, 0.3], v);
                let depth = (v - 0.5).max(0.001);
                let grid_x = ((u - 0.5) / depth * 4.0).fract().abs();
                let grid_y = (1.0 / depth).fract();
                let line = if v > 0.5 && (grid_x < 0.06 || grid_y < 0.08) {
                    1.0
                } else {
                    0.0
                };
                let glow = (0.15 / ((v - 0.5).abs() + 0.15)).min(1.0) * 0.4;
                mix(mix(base, [1.0, 0.1, 0.8], glow), [0.0, 1.0, 1.0], line)
            }
            "fantasy" => {
                let d = (u - 0.5).hypot((v - 0.45) / aspect);
                let swirl = fbm(u * 5.0 + (d * 12.0).sin(), v * 5.0, s ^ 9);
                let c = mix(
                    hsv(0.75 + 0.1 * h, 0.7, 0.25),
                    hsv(0.12, 0.8, 1.0),
                    ((0.5 - d) * 2.0).clamp(0.0, 1.0),
                );
                let star = if hash((u * 997.0) as i64, (v * 991.0) as i64, s) > 0.997 {
                    1.0
                } else {
                    0.0
                };
                mix(scale(c, 0.7 + 0.5 * swirl), [1.0, 1.0, 1.0], star)
            }
            "minimalist" => {
                let (x, y, r, _) = self.shapes[0];
                let inside = (u - (0.3 + 0.4 * x)) * aspect * (u - (0.3 + 0.4 * x)) * aspect
                    + (v - (0.3 + 0.4 * y)) * (v - (0.3 + 0.4 * y))
                    < (0.1 + r) * (0.1 + r);
                if inside {
                    hsv(h + 0.5, 0.6, 0.75)
                } else {
                    hsv(h, 0.12, 0.96)
                }
            }
            "abstract" => {
                let band = ((u * 3.0 + v * 5.0 + n * 2.0) * (2.0 + 4.0 * h)).floor();
                let k = hash(band as i64, 0, s);
                let c = hsv(h + k, 0.85, 0.35 + 0.65 * k);
                if ((u * 17.0 + v * 11.0).sin() * (v * 13.0).cos()).abs() < 0.04 {
                    [0.02, 0.02, 0.02]
                } else {
                    c
                }
            }
            // cinematic, and any style this renderer does not know
            _ => {
                if !(0.12..0.88).contains(&v) {
                    return [0.0, 0.0, 0.0];
                }
                let c = mix(
                    [0.0, 0.35, 0.4],
                    [1.0, 0.55, 0.2],
                    (u + 0.3 * n).clamp(0.0, 1.0),
                );
                let vignette = 1.0 - 0.9 * ((u - 0.5).hypot(v - 0.5) * 1.2).powi(2);
                scale(c, vignette.clamp(0.05, 1.0))
            }
        }
    }
}

/// RGB pixels, row by row. `progress` is called with the fraction done every few rows.
pub fn render(
    style: &str,
    width: u32,
    height: u32,
    seed: u64,
    mut progress: impl FnMut(f32),
) -> Vec<u8> {
    let scene = Scene::new(seed);
    let aspect = width as f32 / height as f32;
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for row in 0..height {
        let v = (row as f32 + 0.5) / height as f32;
        for column in 0..width {
            let u = (column as f32 + 0.5) / width as f32;
            for channel in scene.pixel(style, u, v, aspect) {
                pixels.push((channel.clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        }
        if row % 64 == 63 {
            progress((row + 1) as f32 / height as f32);
        }
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_distinct() {
        let a = render("photorealistic", 48, 32, 7, |_| {});
        assert_eq!(a, render("photorealistic", 48, 32, 7, |_| {}));
        assert_ne!(a, render("photorealistic", 48, 32, 8, |_| {}));
        assert_eq!(a.len(), 48 * 32 * 3);
        let renders: Vec<Vec<u8>> = STYLES
            .iter()
            .map(|s| render(s, 32, 32, 7, |_| {}))
            .collect();
        for (i, a) in renders.iter().enumerate() {
            for b in &renders[i + 1..] {
                let differing = a
                    .iter()
                    .zip(b)
                    .filter(|(x, y)| x.abs_diff(**y) > 24)
                    .count();
                assert!(differing > a.len() / 5, "two styles look alike");
            }
        }
    }

    #[test]
    fn png_has_text_chunks() {
        let pixels = render("anime", 16, 8, 1, |_| {});
        let bytes = crate::png::encode_png(&pixels, 16, 8, &[("prompt", "a hill".into())]).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (16, 8));
        assert_eq!(reader.info().uncompressed_latin1_text[0].text, "a hill");
    }
}
