//! Parcours browser SDK (placeholder until the browser layer lands).
