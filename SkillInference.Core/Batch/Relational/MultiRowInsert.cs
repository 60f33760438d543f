using System.Data.Common;
using System.Globalization;
using System.Text;

namespace SkillInference.Batch.Relational;

/// <summary>
/// Writes rows with batched, prepared multi-row <c>INSERT INTO t (...) VALUES (...), (...) ...</c> statements: as many
/// rows per statement as <see cref="MaxParameters"/> allows (at most <see cref="MaxRowsPerStatement"/>), the full-size
/// statement prepared once per call and executed again for each full batch.
/// </summary>
/// <typeparam name="T">The row type.</typeparam>
internal sealed class MultiRowInsert<T>
{
    /// <summary>The most rows one statement carries.</summary>
    public const int MaxRowsPerStatement = 500;

    /// <summary>The most parameters one statement binds: below both SQLite's limit (32,766) and PostgreSQL's (65,535).</summary>
    public const int MaxParameters = 30_000;

    private readonly string _table;
    private readonly string[] _columns;
    private readonly string _conflict;
    private readonly Action<T, object[]> _values;
    private readonly Func<int, string, string> _valueExpression;
    private readonly int _rowsPerStatement;
    private string? _fullSql;

    /// <summary>Describes the statement.</summary>
    /// <param name="table">The table.</param>
    /// <param name="columns">The columns written.</param>
    /// <param name="conflict">What follows the values, e.g. <c>ON CONFLICT (...) DO NOTHING</c>.</param>
    /// <param name="values">Writes a row's parameter values, one per column in order.</param>
    /// <param name="valueExpression">The value expression of a column's parameter (e.g. a JSON cast); the parameter itself by default.</param>
    public MultiRowInsert(string table, string[] columns, string conflict, Action<T, object[]> values, Func<int, string, string>? valueExpression = null)
    {
        _table = table;
        _columns = columns;
        _conflict = conflict;
        _values = values;
        _valueExpression = valueExpression ?? ((_, parameter) => parameter);
        _rowsPerStatement = Math.Clamp(MaxParameters / columns.Length, 1, MaxRowsPerStatement);
    }

    /// <summary>The rows of a list, keeping only the last row of each key (an upsert may not touch a row twice in one statement).</summary>
    public static IReadOnlyList<T> LastPerKey<TKey>(IReadOnlyList<T> rows, Func<T, TKey> key)
        where TKey : notnull
    {
        var index = new Dictionary<TKey, int>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            index[key(rows[i])] = i;
        }

        if (index.Count == rows.Count)
        {
            return rows;
        }

        var last = new List<T>(index.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            if (index[key(rows[i])] == i)
            {
                last.Add(rows[i]);
            }
        }

        return last;
    }

    /// <summary>Writes the rows in the transaction; returns the number of rows the statements changed.</summary>
    public async Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<T> rows, CancellationToken cancellationToken)
    {
        var changed = 0;
        var values = new object[_columns.Length];
        var prepare = rows.Count / _rowsPerStatement > 1;
        DbCommand? full = null;
        try
        {
            for (var start = 0; start < rows.Count; start += _rowsPerStatement)
            {
                var count = Math.Min(_rowsPerStatement, rows.Count - start);
                var reuse = prepare && count == _rowsPerStatement;
                var command = reuse && full is not null ? full : Create(connection, transaction, count);
                try
                {
                    for (var row = 0; row < count; row++)
                    {
                        _values(rows[start + row], values);
                        for (var c = 0; c < values.Length; c++)
                        {
                            command.Parameters[(row * values.Length) + c].Value = values[c];
                        }
                    }

                    if (reuse && full is null)
                    {
                        // Values first: a database may infer the parameter types from them.
                        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
                        full = command;
                    }

                    changed += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (command != full)
                    {
                        await command.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            if (full is not null)
            {
                await full.DisposeAsync().ConfigureAwait(false);
            }
        }

        return changed;
    }

    private DbCommand Create(DbConnection connection, DbTransaction transaction, int rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = rows == _rowsPerStatement ? _fullSql ??= Sql(rows) : Sql(rows);
        for (var p = 0; p < rows * _columns.Length; p++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = Name(p);
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private string Sql(int rows)
    {
        var sql = new StringBuilder(64 + (rows * _columns.Length * 12));
        sql.Append("INSERT INTO ").Append(_table).Append(" (").AppendJoin(", ", _columns).Append(") VALUES ");
        for (var row = 0; row < rows; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var c = 0; c < _columns.Length; c++)
            {
                sql.Append(c == 0 ? "" : ", ").Append(_valueExpression(c, "@" + Name((row * _columns.Length) + c)));
            }

            sql.Append(')');
        }

        return sql.Append(' ').Append(_conflict).ToString();
    }

    private static string Name(int parameter) => "p" + parameter.ToString(CultureInfo.InvariantCulture);
}
