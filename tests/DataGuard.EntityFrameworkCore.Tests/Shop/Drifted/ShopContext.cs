using Microsoft.EntityFrameworkCore;

namespace Shop.Drifted;

/// <summary>A release whose model gained a column that no migration covers (its one migration is CreateCustomers): EF Core's PendingModelChangesWarning.</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Customer>(b =>
        {
            b.ToTable("customers");
            b.Property(c => c.Id).HasColumnName("id");
            b.Property(c => c.Name).HasColumnName("name").HasMaxLength(200);
            b.Property(c => c.Email).HasColumnName("email");
        });
}
