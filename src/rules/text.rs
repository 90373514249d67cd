//! Counting text the way each platform does (in progress).
