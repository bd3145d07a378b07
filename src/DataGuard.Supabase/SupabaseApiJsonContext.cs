using System.Text.Json;
using System.Text.Json.Serialization;
using DataGuard.Supabase.Management;
using DataGuard.Supabase.Storage;

namespace DataGuard.Supabase;

/// <summary>
/// Compile-time JSON metadata of the request and response bodies of the Supabase APIs DataGuard calls (the Management
/// API and Storage's REST API), with the options <c>System.Net.Http.Json</c> uses when given none: web defaults
/// (camelCase names, case-insensitive reading, numbers also read from strings), not indented, the default encoder.
/// Trim- and native-AOT-safe; a test compares the JSON with the reflection serializer's.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ManagementProject))]
[JsonSerializable(typeof(ManagementBackups))]
[JsonSerializable(typeof(ManagementAddons))]
[JsonSerializable(typeof(ManagementPitrRestore))]
[JsonSerializable(typeof(List<SupabaseRestObjectStore.RestBucket>))]
[JsonSerializable(typeof(SupabaseRestObjectStore.RestListRequest))]
[JsonSerializable(typeof(List<SupabaseRestObjectStore.RestListEntry>))]
internal sealed partial class SupabaseApiJsonContext : JsonSerializerContext;
