//! threads rules (in progress).

use super::TargetCtx;
use crate::diag::Diagnostics;
use crate::manifest::ThreadsOptions;

pub fn check(_cx: &TargetCtx, _options: &ThreadsOptions, _diags: &mut Diagnostics) {}
