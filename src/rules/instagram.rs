//! instagram rules (in progress).

use super::TargetCtx;
use crate::diag::Diagnostics;
use crate::manifest::InstagramOptions;

pub fn check(_cx: &TargetCtx, _options: &InstagramOptions, _diags: &mut Diagnostics) {}
