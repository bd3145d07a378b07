namespace Shop.V2;

/// <summary>Release 2 of the shop: orders of a customer.</summary>
public sealed class Order
{
    public int Id { get; set; }

    public int CustomerId { get; set; }

    public Customer Customer { get; set; } = null!;

    public decimal Total { get; set; }
}
