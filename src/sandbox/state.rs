//! Everything the simulated platforms remember, behind one lock: accounts, tokens, containers,
//! published media, Page posts, TikTok publishes, OAuth codes, quotas and the ledger.
//!
//! # Guarantees
//! - One id space: every object (account, container, media, post, photo, video) gets a unique
//!   numeric string from [`World::next_id`], increasing, derived from the seed.
//! - The lock is never held across an `.await` (handlers lock, compute, unlock), so a slow
//!   download or an injected hang never blocks other requests.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::accounts::{Account, FbUser};
use super::container::{Container, Kind, PublishedMedia};
use super::facebook::FacebookState;
use super::ledger::{Ledger, NewEntry};
use super::oauth::OAuthState;
use super::quota::Windows;
use super::rng::Rng;
use super::tiktok::TikTokState;
use super::tokens::TokenStore;

/// Ids look like Graph's: 17-digit numbers starting with 178.
const ID_BASE: u64 = 17_841_400_000_000_000;

#[derive(Debug)]
pub(crate) struct World {
    pub rng: Rng,
    last_id: u64,
    pub accounts: BTreeMap<String, Account>,
    pub fb_users: BTreeMap<String, FbUser>,
    pub tokens: TokenStore,
    /// Instagram and Threads containers.
    pub containers: BTreeMap<String, Container>,
    /// Published Instagram and Threads media (and carousel children).
    pub media: BTreeMap<String, PublishedMedia>,
    pub facebook: FacebookState,
    pub tiktok: TikTokState,
    pub oauth: OAuthState,
    pub windows: Windows,
    pub ledger: Ledger,
}

impl World {
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let last_id = ID_BASE + rng.below(1_000_000_000) * 1_000;
        Self {
            rng,
            last_id,
            accounts: BTreeMap::new(),
            fb_users: BTreeMap::new(),
            tokens: TokenStore::default(),
            containers: BTreeMap::new(),
            media: BTreeMap::new(),
            facebook: FacebookState::default(),
            tiktok: TikTokState::default(),
            oauth: OAuthState::default(),
            windows: Windows::default(),
            ledger: Ledger::default(),
        }
    }

    /// A fresh id, larger than every earlier one.
    pub fn next_id(&mut self) -> String {
        self.last_id += 1 + self.rng.below(97);
        self.last_id.to_string()
    }

    /// Appends a published post to the ledger, after any TikTok post that completed earlier
    /// (so the ledger stays in publishing order).
    pub fn publish(&mut self, entry: NewEntry) -> u64 {
        super::tiktok::catch_up(self, entry.committed_at);
        self.ledger.record(entry)
    }

    /// Publishes a finished Instagram or Threads container: one media per carousel child, the
    /// post itself, both containers marked published, and the ledger entry (`ledger_kind` is the
    /// platform's name for the kind, e.g. `REELS`). Returns the post's media id.
    pub fn publish_container(
        &mut self,
        container: &Container,
        account: &Account,
        ledger_kind: &str,
        now: DateTime<Utc>,
    ) -> String {
        let media_id = self.next_id();
        let mut child_media = Vec::new();
        for c in &container.children {
            let child_id = self.next_id();
            let (kind, is_video, (media_url, thumbnail_url)) = self
                .containers
                .get(c)
                .map_or((Kind::Image, false, (None, None)), |ch| {
                    (ch.kind, ch.is_video, ch.urls())
                });
            if let Some(ch) = self.containers.get_mut(c) {
                ch.published = Some(child_id.clone());
            }
            let child = PublishedMedia {
                id: child_id.clone(),
                platform: container.platform,
                owner: account.id.clone(),
                container: c.clone(),
                kind,
                is_video,
                text: None,
                children: Vec::new(),
                shortcode: World::shortcode(&child_id),
                published_at: now,
                media_url,
                thumbnail_url,
            };
            self.media.insert(child_id.clone(), child);
            child_media.push(child_id);
        }
        let media = container.media(&self.containers);
        let (media_url, thumbnail_url) = container.urls();
        if let Some(c) = self.containers.get_mut(&container.id) {
            c.published = Some(media_id.clone());
        }
        let published = PublishedMedia {
            id: media_id.clone(),
            platform: container.platform,
            owner: account.id.clone(),
            container: container.id.clone(),
            kind: container.kind,
            is_video: container.is_video,
            text: container.text.clone(),
            children: child_media,
            shortcode: World::shortcode(&media_id),
            published_at: now,
            media_url,
            thumbnail_url,
        };
        self.media.insert(media_id.clone(), published);
        self.publish(NewEntry {
            platform: container.platform,
            account_id: account.id.clone(),
            username: account.username.clone(),
            post_id: media_id.clone(),
            kind: ledger_kind.into(),
            source: container.id.clone(),
            text: container.text.clone(),
            media,
            options: container.options.clone(),
            committed_at: now,
            published_at: now,
        });
        media_id
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// A short code for permalinks (`/p/{shortcode}/`), derived from an id.
    pub fn shortcode(id: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut n: u64 = id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        (0..11)
            .map(|_| {
                let c = ALPHABET[(n % 64) as usize] as char;
                n /= 64;
                c
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_numeric_increasing_and_seeded() {
        let mut w = World::new(5);
        let a: u64 = w.next_id().parse().unwrap();
        let b: u64 = w.next_id().parse().unwrap();
        assert!(b > a && a > ID_BASE);
        assert_eq!(World::new(5).next_id(), a.to_string());
        assert_ne!(World::new(6).next_id(), a.to_string());
    }
}
