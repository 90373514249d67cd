//! facebook rules (in progress).

use super::TargetCtx;
use crate::diag::Diagnostics;
use crate::manifest::FacebookOptions;

pub fn check(_cx: &TargetCtx, _options: &FacebookOptions, _diags: &mut Diagnostics) {}
