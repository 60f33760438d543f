namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>Gives the OAuth access token the dispatcher sends to the Cloud Tasks API.</summary>
public interface ICloudTasksTokenSource
{
    /// <summary>A current access token with the <c>cloud-platform</c> scope.</summary>
    Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default);
}
