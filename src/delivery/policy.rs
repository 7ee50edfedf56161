//! What to do with each answer of the collector: pure logic, no browser
//! API, tested natively.
//!
//! | answer | what happens |
//! | --- | --- |
//! | 2xx | acknowledged; messages the body lists as `rejected` are dropped and reported |
//! | 5xx, 408, 429, network error | retried with exponential backoff and jitter, honouring `Retry-After` |
//! | 413, 400 (and other 4xx) | the batch is split in halves, sent one after the other; a message refused on its own is dropped |
//! | 401, 403, 404 | sending pauses (queue kept); probed again every few minutes and at the next page load |

use std::collections::VecDeque;

/// The first retry delay.
pub const BASE_MS: f64 = 1_000.0;
/// The longest backoff delay.
pub const MAX_BACKOFF_MS: f64 = 60_000.0;
/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER_MS: f64 = 3_600_000.0;
/// How often a paused delivery (bad write key) tries again.
pub const PAUSE_PROBE_MS: f64 = 300_000.0;

/// What an answer means for the batch that got it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// The server has it (except the messages its body rejects).
    Ack,
    /// Try again later; `after_ms` is the server's `Retry-After`.
    Retry {
        /// The server's `Retry-After`, in ms from now.
        after_ms: Option<f64>,
    },
    /// The body as a whole was refused: send its halves.
    Split,
    /// The write key is wrong or unknown: stop sending, keep the queue.
    Pause,
}

/// Classifies an HTTP status (`None`: the request failed on the network).
pub fn classify(status: Option<u16>, retry_after_ms: Option<f64>) -> Verdict {
    match status {
        Some(200..=299) => Verdict::Ack,
        Some(401 | 403 | 404) => Verdict::Pause,
        Some(408 | 429) | None => Verdict::Retry {
            after_ms: retry_after_ms,
        },
        Some(400..=499) => Verdict::Split,
        // 5xx, and anything a collector should not answer (1xx, 3xx).
        Some(_) => Verdict::Retry {
            after_ms: retry_after_ms,
        },
    }
}

/// `Retry-After` in ms from `now_ms`: delta-seconds, or an HTTP date read
/// by `parse_date` (epoch ms, NaN when unreadable). `None` when absent,
/// unreadable or in the past.
pub fn retry_after_ms(
    header: Option<&str>,
    now_ms: f64,
    parse_date: impl Fn(&str) -> f64,
) -> Option<f64> {
    let h = header?.trim();
    let ms = if !h.is_empty() && h.bytes().all(|b| b.is_ascii_digit()) {
        parcours_engine::value::string_to_number(h) * 1000.0
    } else {
        parse_date(h) - now_ms
    };
    (ms.is_finite() && ms > 0.0).then(|| ms.min(MAX_RETRY_AFTER_MS))
}

/// Exponential backoff with "equal jitter": the `n`-th retry waits between
/// half and all of `min(BASE · 2ⁿ, MAX)`, so tabs and visitors that failed
/// together do not retry together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The delay before the next try; `random` is uniform in [0, 1). A
    /// `Retry-After` is honoured (never shortened), with the jitter on top.
    pub fn next_ms(&mut self, random: f64, retry_after_ms: Option<f64>) -> f64 {
        let ceiling = (BASE_MS * 2f64.powi(self.attempt.min(16) as i32)).min(MAX_BACKOFF_MS);
        self.attempt += 1;
        let jittered = ceiling / 2.0 + random.clamp(0.0, 1.0) * ceiling / 2.0;
        match retry_after_ms {
            Some(after) => after + random.clamp(0.0, 1.0) * BASE_MS,
            None => jittered,
        }
    }

    /// Failures in a row so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Back to the first delay (after a success).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// The sizes of the next batches after splits: a batch of `n` refused as a
/// whole is sent again as `⌈n/2⌉` then `⌊n/2⌋` messages, recursively, so one
/// bad message is isolated in `log₂ n` tries and never holds back the others.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SplitPlan {
    sizes: VecDeque<usize>,
}

impl SplitPlan {
    /// How many messages the next batch may hold (`default` when no split is pending).
    pub fn next_size(&self, default: usize) -> usize {
        self.sizes.front().copied().unwrap_or(default).max(1)
    }

    /// The batch of `sent` messages was refused as a whole. `false` when it
    /// held one message: that one is to be dropped (then call [`done`](Self::done)).
    pub fn split(&mut self, sent: usize) -> bool {
        if sent <= 1 {
            return false;
        }
        self.sizes.pop_front();
        self.sizes.push_front(sent / 2);
        self.sizes.push_front(sent - sent / 2);
        true
    }

    /// The batch of `sent` messages was answered (acknowledged or dropped).
    pub fn done(&mut self, sent: usize) {
        if let Some(front) = self.sizes.front_mut() {
            if sent >= *front {
                self.sizes.pop_front();
            } else {
                *front -= sent;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_class_gets_its_verdict() {
        assert_eq!(classify(Some(200), None), Verdict::Ack);
        assert_eq!(classify(Some(204), None), Verdict::Ack);
        for s in [500, 502, 503, 504, 408, 429] {
            assert_eq!(
                classify(Some(s), Some(5.0)),
                Verdict::Retry {
                    after_ms: Some(5.0)
                },
                "{s}"
            );
        }
        assert_eq!(classify(None, None), Verdict::Retry { after_ms: None });
        assert_eq!(classify(Some(413), None), Verdict::Split);
        assert_eq!(classify(Some(400), None), Verdict::Split);
        assert_eq!(classify(Some(422), None), Verdict::Split);
        for s in [401, 403, 404] {
            assert_eq!(classify(Some(s), None), Verdict::Pause, "{s}");
        }
        assert_eq!(classify(Some(302), None), Verdict::Retry { after_ms: None });
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let no_date = |_: &str| f64::NAN;
        assert_eq!(retry_after_ms(Some("120"), 0.0, no_date), Some(120_000.0));
        assert_eq!(retry_after_ms(Some(" 3 "), 0.0, no_date), Some(3_000.0));
        assert_eq!(retry_after_ms(None, 0.0, no_date), None);
        assert_eq!(retry_after_ms(Some("soon"), 0.0, no_date), None);
        assert_eq!(retry_after_ms(Some("0"), 0.0, no_date), None);
        let date = |s: &str| {
            if s == "Wed, 21 Oct 2015 07:28:00 GMT" {
                1_445_412_480_000.0
            } else {
                f64::NAN
            }
        };
        assert_eq!(
            retry_after_ms(
                Some("Wed, 21 Oct 2015 07:28:00 GMT"),
                1_445_412_470_000.0,
                date
            ),
            Some(10_000.0)
        );
        assert_eq!(
            retry_after_ms(
                Some("Wed, 21 Oct 2015 07:28:00 GMT"),
                1_445_412_490_000.0,
                date
            ),
            None,
            "a date in the past"
        );
        assert_eq!(
            retry_after_ms(Some("999999"), 0.0, no_date),
            Some(MAX_RETRY_AFTER_MS)
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap_and_resets() {
        let mut b = Backoff::default();
        let lows: Vec<f64> = (0..10).map(|_| b.next_ms(0.0, None)).collect();
        assert_eq!(&lows[..4], &[500.0, 1000.0, 2000.0, 4000.0]);
        assert_eq!(*lows.last().unwrap(), MAX_BACKOFF_MS / 2.0);
        let mut b = Backoff::default();
        let highs: Vec<f64> = (0..10).map(|_| b.next_ms(0.999_999, None)).collect();
        assert!((highs[0] - 1000.0).abs() < 0.01 && (highs[3] - 8000.0).abs() < 0.1);
        assert!(highs.iter().all(|d| *d <= MAX_BACKOFF_MS));
        assert_eq!(b.attempts(), 10);
        b.reset();
        assert_eq!(b.next_ms(0.0, None), 500.0);
    }

    #[test]
    fn retry_after_is_never_shortened() {
        let mut b = Backoff::default();
        for r in [0.0, 0.5, 0.99] {
            let d = b.next_ms(r, Some(30_000.0));
            assert!((30_000.0..31_000.0).contains(&d), "{d}");
        }
    }

    /// Sends `n` messages where `bad` are refused on their own (400 for any
    /// batch containing one): every good message is acknowledged exactly
    /// once and every bad one dropped, in few tries.
    fn simulate(n: usize, bad: &[usize]) -> (Vec<usize>, Vec<usize>, usize) {
        let mut queue: VecDeque<usize> = (0..n).collect();
        let mut plan = SplitPlan::default();
        let (mut acked, mut dropped, mut tries) = (Vec::new(), Vec::new(), 0);
        while !queue.is_empty() {
            tries += 1;
            let size = plan.next_size(20).min(queue.len());
            let batch: Vec<usize> = queue.iter().take(size).copied().collect();
            if batch.iter().any(|m| bad.contains(m)) {
                if !plan.split(batch.len()) {
                    dropped.push(queue.pop_front().unwrap());
                    plan.done(1);
                }
            } else {
                for _ in 0..size {
                    acked.push(queue.pop_front().unwrap());
                }
                plan.done(size);
            }
        }
        (acked, dropped, tries)
    }

    #[test]
    fn splitting_isolates_bad_messages_and_delivers_the_rest() {
        let (acked, dropped, tries) = simulate(20, &[13]);
        assert_eq!(dropped, vec![13]);
        assert_eq!(acked.len(), 19);
        assert!(acked.iter().all(|m| *m != 13));
        assert!(tries <= 12, "{tries} tries");
        let (acked, dropped, _) = simulate(57, &[0, 21, 22, 56]);
        assert_eq!(dropped, vec![0, 21, 22, 56]);
        let mut sorted = acked.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 53, "each good message acknowledged once");
        let (acked, dropped, tries) = simulate(45, &[]);
        assert!(dropped.is_empty() && acked.len() == 45 && tries == 3);
    }

    #[test]
    fn a_single_refused_message_is_dropped_not_split() {
        let mut plan = SplitPlan::default();
        assert!(!plan.split(1));
        assert_eq!(plan.next_size(20), 20);
    }
}
