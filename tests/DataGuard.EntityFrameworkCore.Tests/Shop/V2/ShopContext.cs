using Microsoft.EntityFrameworkCore;

namespace Shop.V2;

/// <summary>Release 2: three migrations (CreateCustomers, AddCustomerEmail, CreateOrders), the first shared with release 1.</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Customer>(b =>
        {
            b.ToTable("customers");
            b.Property(c => c.Id).HasColumnName("id");
            b.Property(c => c.Name).HasColumnName("name").HasMaxLength(200);
            b.Property(c => c.Email).HasColumnName("email");
        });
        modelBuilder.Entity<Order>(b =>
        {
            b.ToTable("orders");
            b.Property(o => o.Id).HasColumnName("id");
            b.Property(o => o.CustomerId).HasColumnName("customer_id");
            b.Property(o => o.Total).HasColumnName("total").HasPrecision(12, 2);
            b.HasOne(o => o.Customer).WithMany().HasForeignKey(o => o.CustomerId);
        });
    }
}
