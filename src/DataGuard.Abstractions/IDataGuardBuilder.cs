using Microsoft.Extensions.DependencyInjection;

namespace DataGuard;

/// <summary>
/// Returned by <c>services.AddDataGuard()</c>; provider packages add their parts to it
/// (<c>.AddPostgres()</c>, <c>.AddS3Storage()</c>, <c>.AddFileSystemStorage()</c>).
/// </summary>
public interface IDataGuardBuilder
{
    /// <summary>Gets the service collection DataGuard registers into.</summary>
    IServiceCollection Services { get; }
}
