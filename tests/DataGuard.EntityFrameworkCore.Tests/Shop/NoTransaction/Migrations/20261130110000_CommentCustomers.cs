using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shop.NoTransaction.Migrations;

/// <summary>A migration EF runs outside a transaction (<c>suppressTransaction: true</c>), written by hand.</summary>
public partial class CommentCustomers : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("COMMENT ON TABLE customers IS 'the shop''s customers';", suppressTransaction: true);

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("COMMENT ON TABLE customers IS NULL;", suppressTransaction: true);
}
