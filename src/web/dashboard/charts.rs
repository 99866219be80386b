//! Bar charts drawn on the server as SVG geometry (rectangles, lines and text with their
//! coordinates), for the stats page's template to write out. No script and no inline style: the
//! dashboard's CSP allows neither, so colours come from classes in `dashboard.css`.

/// A chart ready to draw: a `viewBox` of `width` × `height`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Read by assistive technology as the image's name (`<title>`).
    pub title: String,
    /// What the chart shows in one sentence (`<desc>`).
    pub desc: String,
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
    pub lines: Vec<Line>,
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Shown on hover: the item and its value.
    pub tip: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    /// `start`, `middle` or `end` (SVG's `text-anchor`).
    pub anchor: &'static str,
    pub text: String,
}

/// One item of a chart: its name, its value, and the value as the reader reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    pub value: f64,
    pub shown: String,
}

impl Item {
    pub fn count(name: impl Into<String>, n: i64) -> Item {
        Item {
            name: name.into(),
            value: n as f64,
            shown: n.to_string(),
        }
    }
}

/// To a tenth of a unit: enough for a drawing, and short in the page.
fn r(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn largest(items: &[Item]) -> f64 {
    items.iter().map(|i| i.value).fold(0.0, f64::max)
}

const WIDTH: u32 = 640;

/// Upright columns along a time axis, with the largest value marked on the left and at most
/// about a dozen names under the columns so that they never overlap.
pub fn columns(title: &str, desc: &str, items: &[Item]) -> Chart {
    let (height, left, right, top, bottom) = (240.0, 44.0, 8.0, 12.0, 28.0);
    let plot_w = f64::from(WIDTH) - left - right;
    let plot_h = height - top - bottom;
    let max = largest(items);
    let slot = plot_w / items.len().max(1) as f64;
    let every = items.len().div_ceil(12).max(1);
    let base = top + plot_h;
    let mut chart = Chart {
        title: title.into(),
        desc: desc.into(),
        width: WIDTH,
        height: height as u32,
        bars: Vec::new(),
        lines: vec![
            Line {
                x1: left,
                y1: r(base),
                x2: f64::from(WIDTH) - right,
                y2: r(base),
            },
            Line {
                x1: left,
                y1: top,
                x2: left,
                y2: r(base),
            },
        ],
        labels: vec![Label {
            x: left - 6.0,
            y: r(base),
            anchor: "end",
            text: "0".into(),
        }],
    };
    // The scale's top, named by the largest bar; an empty chart has only its zero.
    if let Some(highest) = items.iter().find(|i| max > 0.0 && i.value == max) {
        chart.labels.push(Label {
            x: left - 6.0,
            y: top + 4.0,
            anchor: "end",
            text: highest.shown.clone(),
        });
    }
    for (i, item) in items.iter().enumerate() {
        let h = if max > 0.0 {
            item.value / max * plot_h
        } else {
            0.0
        };
        let x = left + slot * i as f64;
        chart.bars.push(Bar {
            x: r(x + slot * 0.15),
            y: r(base - h),
            width: r(slot * 0.7),
            height: r(h),
            tip: format!("{}: {}", item.name, item.shown),
        });
        if i % every == 0 {
            chart.labels.push(Label {
                x: r(x + slot / 2.0),
                y: r(base + 18.0),
                anchor: "middle",
                text: item.name.clone(),
            });
        }
    }
    chart
}

/// Horizontal bars, one row per item, with its name on the left and its value after the bar.
pub fn bars(title: &str, desc: &str, items: &[Item]) -> Chart {
    let (row, left, right, top) = (28.0, 170.0, 64.0, 6.0);
    let plot_w = f64::from(WIDTH) - left - right;
    let max = largest(items);
    let height = top * 2.0 + row * items.len().max(1) as f64;
    let mut chart = Chart {
        title: title.into(),
        desc: desc.into(),
        width: WIDTH,
        height: height as u32,
        bars: Vec::new(),
        lines: vec![Line {
            x1: left,
            y1: top,
            x2: left,
            y2: r(height - top),
        }],
        labels: Vec::new(),
    };
    for (i, item) in items.iter().enumerate() {
        let w = if max > 0.0 {
            item.value / max * plot_w
        } else {
            0.0
        };
        let y = top + row * i as f64;
        chart.bars.push(Bar {
            x: left,
            y: r(y + row * 0.2),
            width: r(w),
            height: r(row * 0.6),
            tip: format!("{}: {}", item.name, item.shown),
        });
        chart.labels.push(Label {
            x: left - 8.0,
            y: r(y + row * 0.65),
            anchor: "end",
            text: item.name.clone(),
        });
        chart.labels.push(Label {
            x: r(left + w + 6.0),
            y: r(y + row * 0.65),
            anchor: "start",
            text: item.shown.clone(),
        });
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_column_fills_the_plot_and_others_scale_to_it() {
        let items = vec![
            Item::count("1 Dec", 10),
            Item::count("8 Dec", 5),
            Item::count("15 Dec", 0),
        ];
        let c = columns("Reports per week", "", &items);
        let heights: Vec<f64> = c.bars.iter().map(|b| b.height).collect();
        assert_eq!(heights, [200.0, 100.0, 0.0]);
        // Every column stands on the same base line.
        for b in &c.bars {
            assert_eq!(b.y + b.height, 212.0);
        }
        assert!(c.labels.iter().any(|l| l.text == "10"), "the largest value");
        assert_eq!(c.bars[1].tip, "8 Dec: 5");
    }

    #[test]
    fn an_empty_period_names_only_the_zero_of_its_scale() {
        let items = vec![Item::count("1 Dec", 0), Item::count("8 Dec", 0)];
        let c = columns("Reports per week", "", &items);
        let numbers: Vec<&str> = c
            .labels
            .iter()
            .map(|l| l.text.as_str())
            .filter(|t| t.chars().all(|ch| ch.is_ascii_digit()))
            .collect();
        assert_eq!(numbers, ["0"]);
    }

    #[test]
    fn many_columns_name_only_some_of_them() {
        let items: Vec<Item> = (0..52).map(|i| Item::count(format!("w{i}"), i)).collect();
        let c = columns("t", "", &items);
        let names = c.labels.iter().filter(|l| l.text.starts_with('w')).count();
        assert!((10..=13).contains(&names), "{names}");
        assert_eq!(c.bars.len(), 52);
    }

    #[test]
    fn bars_are_as_long_as_their_share_of_the_largest_and_nothing_is_drawn_for_zero() {
        let items = vec![Item::count("Corrected", 4), Item::count("Spam", 1)];
        let c = bars("Outcomes", "", &items);
        assert_eq!(c.bars[0].width, 406.0);
        assert_eq!(c.bars[1].width, 101.5);
        let empty = bars("Outcomes", "", &[Item::count("Corrected", 0)]);
        assert_eq!(empty.bars[0].width, 0.0);
        assert_eq!(empty.height, 40);
    }
}
