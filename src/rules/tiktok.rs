//! tiktok rules (in progress).

use super::TargetCtx;
use crate::diag::Diagnostics;
use crate::manifest::TiktokOptions;

pub fn check(_cx: &TargetCtx, _options: &TiktokOptions, _diags: &mut Diagnostics) {}
