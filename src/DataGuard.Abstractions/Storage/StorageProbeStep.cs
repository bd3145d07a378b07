namespace DataGuard.Storage;

/// <summary>One step of a storage probe.</summary>
/// <param name="Name">The step, such as <c>put</c>, <c>list</c> or <c>conditional-write</c>.</param>
/// <param name="Succeeded">Whether it worked (for an optional feature: whether the server supports it).</param>
/// <param name="Optional">Whether the storage works without it.</param>
/// <param name="Detail">What happened, free of secrets.</param>
public sealed record StorageProbeStep(string Name, bool Succeeded, bool Optional, string Detail);
