using System.Text.Json.Serialization;

namespace DataGuard.Postgres.Export;

/// <summary>
/// Compile-time JSON metadata of <c>export_jobs.artifacts</c> (written by the worker, read by every reader of jobs, of
/// older and newer versions alike), with the options it was always written with: the serializer's defaults (property
/// names as declared, case-sensitive reading, nulls written, not indented, the default encoder). Trim- and
/// native-AOT-safe; a test compares the JSON with the reflection serializer's.
/// </summary>
[JsonSerializable(typeof(List<ExportJobs.StoredArtifact>))]
internal sealed partial class ExportJsonContext : JsonSerializerContext;
