//! What the SDK has on screen: the pop-in or banner (one at a time), the
//! slot contents, and a decision waiting for a host dialog to close.

use crate::handles::Timeout;
use crate::render::Popin;
use parcours_engine::Trigger;

/// How often a decision waiting for a host dialog looks again.
pub const HOST_DIALOG_POLL_MS: i32 = 500;

/// The SDK's content on the page.
#[derive(Default)]
pub struct Screen {
    /// The pop-in or banner on screen.
    pub popin: Option<Popin>,
    /// Slot contents on screen.
    pub slots: Vec<Popin>,
    /// A pop-in decided while a host dialog was open: the trigger to decide
    /// again on once it closes, and the timer that looks.
    pub waiting: Option<(Trigger, Timeout)>,
}

impl Screen {
    /// Removes the pop-in or banner and every slot content (the visitor changed).
    pub fn close_all(&mut self) {
        self.popin = None;
        self.slots.clear();
        self.waiting = None;
    }

    /// Whether a pop-in is on screen.
    pub fn popin_open(&self) -> bool {
        self.popin.is_some()
    }
}
