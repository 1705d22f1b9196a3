//! The office's logo on its letterhead: a JPEG or PNG image, checked when it
//! is uploaded and embedded in each letter's PDF.

/// An image ready to embed in a PDF.
#[derive(Debug, Clone)]
pub struct Logo {
    pub width: u32,
    pub height: u32,
    pub(crate) pixels: Pixels,
}

#[derive(Debug, Clone)]
pub(crate) enum Pixels {
    /// A JPEG file, embedded as it is (`DCTDecode`), with its number of
    /// colour components (1 grey, 3 RGB, 4 CMYK).
    Jpeg { data: Vec<u8>, components: u8 },
    /// Zlib-compressed 8-bit samples (`FlateDecode`), grey or RGB, with an
    /// optional compressed alpha channel (a soft mask).
    Flate {
        data: Vec<u8>,
        rgb: bool,
        alpha: Option<Vec<u8>>,
    },
}

/// Largest logo accepted, in bytes and in pixels per side.
pub const MAX_LOGO_BYTES: usize = 2 * 1024 * 1024;
const MAX_SIDE: u32 = 4000;

impl Logo {
    /// Reads a JPEG or PNG file. Anything else, or a broken or huge image,
    /// is an error a person can act on.
    pub fn read(bytes: &[u8]) -> Result<Logo, String> {
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(format!(
                "The logo is larger than {} MB; use a smaller image.",
                MAX_LOGO_BYTES / (1024 * 1024)
            ));
        }
        let logo = if bytes.starts_with(&[0xff, 0xd8]) {
            read_jpeg(bytes)?
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            read_png(bytes)?
        } else {
            return Err("The logo must be a PNG or JPEG image.".into());
        };
        if logo.width == 0 || logo.height == 0 || logo.width > MAX_SIDE || logo.height > MAX_SIDE {
            return Err(format!(
                "The logo is {} × {} pixels; it must be at most {MAX_SIDE} on each side.",
                logo.width, logo.height
            ));
        }
        Ok(logo)
    }
}

fn broken() -> String {
    "The logo could not be read: the image file is damaged or incomplete.".into()
}

/// Finds the frame header (SOFn) for the size and the colour components;
/// the data itself is embedded unchanged.
fn read_jpeg(bytes: &[u8]) -> Result<Logo, String> {
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xff {
            return Err(broken());
        }
        let marker = bytes[i + 1];
        if marker == 0xff {
            i += 1;
            continue;
        }
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        let is_frame = matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
        if is_frame {
            let f = bytes.get(i + 4..i + 4 + 6).ok_or_else(broken)?;
            let height = u16::from_be_bytes([f[1], f[2]]) as u32;
            let width = u16::from_be_bytes([f[3], f[4]]) as u32;
            let components = f[5];
            if f[0] != 8 || !matches!(components, 1 | 3 | 4) {
                return Err("The logo's JPEG format is not supported; save it as PNG.".into());
            }
            return Ok(Logo {
                width,
                height,
                pixels: Pixels::Jpeg {
                    data: bytes.to_vec(),
                    components,
                },
            });
        }
        if len < 2 {
            return Err(broken());
        }
        i += 2 + len;
    }
    Err(broken())
}

fn read_png(bytes: &[u8]) -> Result<Logo, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    // Palettes and 16-bit samples become 8-bit grey or RGB (with alpha).
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|_| broken())?;
    let info = reader.info();
    if info.width > MAX_SIDE || info.height > MAX_SIDE {
        return Err(format!(
            "The logo is {} × {} pixels; it must be at most {MAX_SIDE} on each side.",
            info.width, info.height
        ));
    }
    let size = reader.output_buffer_size().ok_or_else(broken)?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(|_| broken())?;
    let samples = &buf[..frame.buffer_size()];
    let (channels, rgb, has_alpha) = match frame.color_type {
        png::ColorType::Grayscale => (1, false, false),
        png::ColorType::GrayscaleAlpha => (2, false, true),
        png::ColorType::Rgb => (3, true, false),
        png::ColorType::Rgba => (4, true, true),
        png::ColorType::Indexed => return Err(broken()),
    };
    let colour = channels - usize::from(has_alpha);
    let mut colours = Vec::with_capacity(samples.len());
    let mut alpha = Vec::new();
    for px in samples.chunks_exact(channels) {
        colours.extend_from_slice(&px[..colour]);
        if has_alpha {
            alpha.push(px[colour]);
        }
    }
    let compress = |d: &[u8]| miniz_oxide::deflate::compress_to_vec_zlib(d, 6);
    Ok(Logo {
        width: frame.width,
        height: frame.height,
        pixels: Pixels::Flate {
            data: compress(&colours),
            rgb,
            alpha: has_alpha.then(|| compress(&alpha)),
        },
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small RGBA PNG, as an office's logo might be.
    pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        let pixels: Vec<u8> = (0..width * height)
            .flat_map(|i| [(i * 7) as u8, 40, 200, if i % 2 == 0 { 255 } else { 0 }])
            .collect();
        w.write_image_data(&pixels).unwrap();
        w.finish().unwrap();
        out
    }

    #[test]
    fn png_and_jpeg_are_read_and_other_files_refused() {
        let logo = Logo::read(&png(30, 12)).unwrap();
        assert_eq!((logo.width, logo.height), (30, 12));
        assert!(matches!(
            logo.pixels,
            Pixels::Flate {
                rgb: true,
                alpha: Some(_),
                ..
            }
        ));
        // A JPEG's size comes from its frame header: SOI, an APP0 segment, SOF0.
        let jpeg = [
            &[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00][..],
            &[0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x20, 0x00, 0x40, 0x03][..],
            &[0u8; 9][..],
        ]
        .concat();
        let logo = Logo::read(&jpeg).unwrap();
        assert_eq!((logo.width, logo.height), (64, 32));
        assert!(
            Logo::read(b"GIF89a....")
                .unwrap_err()
                .contains("PNG or JPEG")
        );
        assert!(
            Logo::read(&png(30, 12)[..40])
                .unwrap_err()
                .contains("damaged")
        );
        assert!(
            Logo::read(&[0xff, 0xd8, 0xff])
                .unwrap_err()
                .contains("damaged")
        );
        assert!(
            Logo::read(&png(4001, 1))
                .unwrap_err()
                .contains("at most 4000")
        );
    }
}
