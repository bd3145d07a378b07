namespace DataGuard.Storage;

/// <summary>The outcome of <see cref="IBackupStorage.ProbeAsync"/>.</summary>
/// <param name="Location">Where the probe ran, free of secrets.</param>
/// <param name="Steps">Each step (put, get, list, delete, and optional features) with its outcome.</param>
public sealed record StorageProbeResult(string Location, IReadOnlyList<StorageProbeStep> Steps)
{
    /// <summary>Gets a value indicating whether every required step succeeded.</summary>
    public bool Succeeded => Steps.All(step => step.Succeeded || step.Optional);

    /// <summary>Gets the first required step that failed, if any.</summary>
    public StorageProbeStep? FirstFailure => Steps.FirstOrDefault(step => !step.Succeeded && !step.Optional);
}
