//! Splitting work over the machine's cores with scoped threads, keeping results in order.
//!
//! Loading, checking and planning a large calendar is independent per file or per post, and
//! postcal runs on small machines: using both cores of a 2-core box halves a 10,000-post rescan.
//! No thread pool and no dependency: each call spawns at most one thread per core, and only when
//! there is enough work to pay for it.

/// Applies `f` to consecutive chunks of `items` (one per core, each at least `min_chunk` long)
/// and returns the results in the order of the chunks. A panic in `f` is re-raised here.
pub fn map_chunks<T, R, F>(items: &[T], min_chunk: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(items.len() / min_chunk.max(1)).max(1);
    if threads == 1 {
        return vec![f(items)];
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// [`map_chunks`] over single items, flattened back into one `Vec` in the original order.
pub fn map<T, R, F>(items: &[T], min_chunk: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    map_chunks(items, min_chunk, |part| {
        part.iter().map(&f).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_whatever_the_split() {
        let items: Vec<u32> = (0..1000).collect();
        for min_chunk in [1, 7, 100, 5000] {
            assert_eq!(
                map(&items, min_chunk, |x| x * 2),
                (0..1000).map(|x| x * 2).collect::<Vec<_>>()
            );
        }
        assert!(map(&[] as &[u32], 1, |x| *x).is_empty());
    }

    #[test]
    fn chunks_cover_every_item_once() {
        let items: Vec<u32> = (0..1001).collect();
        let sums = map_chunks(&items, 10, |part| part.iter().sum::<u32>());
        assert_eq!(sums.iter().sum::<u32>(), (0..1001).sum::<u32>());
    }
}
