namespace DataGuard.Samples.EfCore;

/// <summary>An order of a customer.</summary>
public sealed class Order
{
    public int Id { get; set; }

    public int CustomerId { get; set; }

    public Customer Customer { get; set; } = null!;

    public decimal Total { get; set; }
}
