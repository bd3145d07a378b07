namespace DataGuard.Postgres.Pitr;

/// <summary>How a restored copy was kept from acting on production's peers (see docs/pitr.md, "Isolation").</summary>
/// <param name="Settings">What the copy's settings do: listens on 127.0.0.1 only, no logical replication workers, and so on.</param>
/// <param name="Subscriptions">The subscriptions the copy holds.</param>
/// <param name="SubscriptionsDisabled">How many of them were disabled and detached from their slots (only once promoted).</param>
/// <param name="Problems">What is not isolated, read back from the running copy; empty when all is.</param>
internal sealed record PitrIsolation(IReadOnlyList<string> Settings, int Subscriptions, int SubscriptionsDisabled, IReadOnlyList<string> Problems)
{
    /// <summary>Gets a value indicating whether the copy runs fully isolated.</summary>
    public bool Complete => Problems.Count == 0;

    /// <inheritdoc />
    public override string ToString()
    {
        var subscriptions = Subscriptions == 0
            ? "no subscriptions"
            : SubscriptionsDisabled == Subscriptions
                ? $"{Subscriptions} subscription(s) disabled with slot_name = NONE (publishers' slots untouched)"
                : $"{Subscriptions} subscription(s), {SubscriptionsDisabled} disabled; the others stay inert while max_logical_replication_workers = 0";
        var text = $"archive off, {string.Join(", ", Settings)}, {subscriptions}";
        return Complete ? text : $"{text}; NOT ISOLATED: {string.Join("; ", Problems)}";
    }
}
