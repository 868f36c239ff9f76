namespace Api.Hosting;

/// <summary>Which REST surface a front-end process serves (API_ROLE).</summary>
public enum ApiRole
{
    /// <summary>Both surfaces: auth on its port, users on theirs, one process.</summary>
    All,
    /// <summary>The Auth API (docs/contract.md, Auth API), port 3001.</summary>
    Auth,
    /// <summary>The User API (docs/contract.md, User API), port 3002.</summary>
    User,
}
