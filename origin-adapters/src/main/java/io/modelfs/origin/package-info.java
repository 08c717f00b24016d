/**
 * Origins — where model bytes live — behind one {@link io.modelfs.origin.Origin} interface with
 * one error contract, plus import ({@link io.modelfs.origin.Importer}) and manifest locations
 * ({@link io.modelfs.origin.ManifestStore}). The walking skeleton has {@code file:}; S3, GCS,
 * Azure Blob and HTTPS come with issue #4.
 */
package io.modelfs.origin;
