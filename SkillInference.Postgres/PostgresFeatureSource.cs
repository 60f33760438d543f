using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using SkillInference.Batch;

namespace SkillInference.Postgres;

/// <summary>Reads and writes <c>student_features</c> and <c>teacher_ratings</c> in PostgreSQL.</summary>
internal sealed class PostgresFeatureSource : IFeatureSource, IStudentDataWriter
{
    private const string Columns = "f.student_id, f.linguistic::text, f.behavioral::text, f.updated_at";
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;

    public PostgresFeatureSource(NpgsqlDataSource dataSource, ILogger<PostgresFeatureSource>? logger = null)
    {
        _dataSource = dataSource;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<DateTimeOffset?> GetLatestUpdateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT max(updated_at) FROM student_features");
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is DateTime at ? ToOffset(at) : null;
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "reading the latest feature update");
        }
    }

    public async IAsyncEnumerable<string> ListStudentIdsAsync(StudentSelection selection, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);
        NpgsqlConnection? connection = null;
        NpgsqlCommand? command = null;
        NpgsqlDataReader? reader = null;
        try
        {
            try
            {
                connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                command = new NpgsqlCommand { Connection = connection };
                command.CommandText = $"SELECT f.student_id FROM student_features f WHERE {SelectionSql.Condition(selection, command)} ORDER BY f.student_id";
                reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
            {
                throw Fail(ex, "listing students");
            }

            while (true)
            {
                try
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
                {
                    throw Fail(ex, "listing students");
                }

                yield return reader.GetString(0);
            }
        }
        finally
        {
            if (reader is not null)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }

            if (command is not null)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async Task<IReadOnlyList<StudentFeatures>> ReadShardAsync(ShardTask shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        try
        {
            await using var command = _dataSource.CreateCommand();
            command.Parameters.Add(new NpgsqlParameter("through", NpgsqlDbType.Text) { Value = shard.ThroughStudentId });
            var lower = "";
            if (shard.AfterStudentId is { } after)
            {
                command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = after });
                lower = "f.student_id > @after AND ";
            }

            command.CommandText = $"SELECT {Columns} FROM student_features f WHERE {lower}f.student_id <= @through AND {SelectionSql.Condition(shard.Selection, command)} ORDER BY f.student_id";
            return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "reading a shard's features");
        }
    }

    public async Task<IReadOnlyList<StudentFeatures>> ReadStudentsAsync(IReadOnlyCollection<string> studentIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(studentIds);
        if (studentIds.Count == 0)
        {
            return [];
        }

        try
        {
            await using var command = _dataSource.CreateCommand($"SELECT {Columns} FROM student_features f WHERE f.student_id = ANY(@ids) ORDER BY f.student_id");
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = studentIds.ToArray() });
            return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "re-reading students' features");
        }
    }

    public async Task UpsertStudentFeaturesAsync(IReadOnlyList<StudentFeatures> students, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(students);
        if (students.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "CREATE TEMP TABLE staging_student_features (LIKE student_features) ON COMMIT DROP", cancellationToken).ConfigureAwait(false);
            await using (var import = await connection.BeginBinaryImportAsync("COPY staging_student_features (student_id, linguistic, behavioral, updated_at) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
            {
                foreach (var s in students)
                {
                    await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(s.StudentId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(FeatureJson.Serialize(s.Linguistic), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(FeatureJson.Serialize(s.Behavioral), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(s.UpdatedAt.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                }

                await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(
                connection,
                transaction,
                """
                INSERT INTO student_features (student_id, linguistic, behavioral, updated_at)
                SELECT DISTINCT ON (student_id) student_id, linguistic, behavioral, updated_at FROM staging_student_features ORDER BY student_id
                ON CONFLICT (student_id) DO UPDATE SET linguistic = EXCLUDED.linguistic, behavioral = EXCLUDED.behavioral, updated_at = EXCLUDED.updated_at
                """,
                cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "writing students' features");
        }
    }

    public async Task UpsertTeacherRatingsAsync(IReadOnlyList<TeacherRating> ratings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        if (ratings.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "CREATE TEMP TABLE staging_teacher_ratings (LIKE teacher_ratings) ON COMMIT DROP", cancellationToken).ConfigureAwait(false);
            await using (var import = await connection.BeginBinaryImportAsync("COPY staging_teacher_ratings (student_id, skill, rating, rated_at) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
            {
                foreach (var r in ratings)
                {
                    await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(r.StudentId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(r.Skill, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync((short)r.Rating, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(r.RatedAt.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                }

                await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(
                connection,
                transaction,
                """
                INSERT INTO teacher_ratings (student_id, skill, rating, rated_at)
                SELECT DISTINCT ON (student_id, skill) student_id, skill, rating, rated_at FROM staging_teacher_ratings ORDER BY student_id, skill
                ON CONFLICT (student_id, skill) DO UPDATE SET rating = EXCLUDED.rating, rated_at = EXCLUDED.rated_at
                """,
                cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "writing teacher ratings");
        }
    }

    internal static DateTimeOffset ToOffset(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc), TimeSpan.Zero);

    private static async Task<IReadOnlyList<StudentFeatures>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<StudentFeatures>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetString(0);
            var updatedAt = ToOffset(reader.GetDateTime(3));
            var linguisticOk = FeatureJson.TryParse(reader.GetString(1), out var linguistic, out var linguisticError);
            var behavioralOk = FeatureJson.TryParse(reader.GetString(2), out var behavioral, out var behavioralError);
            result.Add(new StudentFeatures(id, linguistic, behavioral, updatedAt)
            {
                ReadError = !linguisticOk ? $"the linguistic group {linguisticError}" : !behavioralOk ? $"the behavioral group {behavioralError}" : null,
            });
        }

        return result;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private BatchStoreException Fail(Exception exception, string operation)
    {
        var translated = PostgresErrors.Translate(exception, operation);
        var kind = translated.Kind.ToString();
        var sqlState = (exception as PostgresException)?.SqlState ?? "none";
        Log.DatabaseFailed(_logger, exception, operation, kind, sqlState);

        return translated;
    }
}
