//! Questions an editor asks about an RGD file, answered in editor terms (offsets, ranges,
//! plain structs) and knowing nothing of the Language Server Protocol.
