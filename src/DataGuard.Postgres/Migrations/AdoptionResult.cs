namespace DataGuard.Postgres.Migrations;

/// <summary>What <c>migrate adopt</c> did.</summary>
/// <param name="Source">The foreign ledger read.</param>
/// <param name="Applied">The versions recorded as applied, with their files' scripts.</param>
/// <param name="Dirty">The version recorded as dirty, if the other tool said so.</param>
/// <param name="MissingFiles">Versions the other tool applied that have no file here: not recorded (their down scripts are unknown).</param>
/// <param name="DeployId">The deploy id of the adoption in the ledger.</param>
internal sealed record AdoptionResult(ForeignLedgerState Source, IReadOnlyList<long> Applied, long? Dirty, IReadOnlyList<long> MissingFiles, string DeployId);
