using DataGuard.Storage;

namespace DataGuard.DependencyInjection;

/// <summary>A storage provider that <c>DataGuard:Storage:Provider</c> can select.</summary>
/// <param name="Name">The provider's name, compared without case.</param>
/// <param name="Factory">Builds the storage; called once.</param>
internal sealed record StorageProviderRegistration(string Name, Func<IServiceProvider, IBackupStorage> Factory);
