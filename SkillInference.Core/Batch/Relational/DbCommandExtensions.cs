using System.Data.Common;

namespace SkillInference.Batch.Relational;

/// <summary>Binding parameters over plain ADO.NET (both providers take <c>@name</c> in SQL and the bare name here).</summary>
internal static class DbCommandExtensions
{
    /// <summary>Adds a parameter with a value (null: <see cref="DBNull"/>).</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    /// <summary>A command on a connection, in a transaction when there is one.</summary>
    public static DbCommand Command(this DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
