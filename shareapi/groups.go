package shareapi

// Group is a group of domains as the group routes write it. A share made
// with it names it "@" + Name as its access_domain. Members are listed to
// administrators only; Member says whether the caller's domain is one.
type Group struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Members     []string `json:"members,omitempty"`
	NumMembers  int      `json:"num_members"`
	Member      bool     `json:"member"`
	Created     string   `json:"created"`
	Updated     string   `json:"updated"`
	UpdatedBy   string   `json:"updated_by,omitempty"`
}

// Groups is the answer of GET /v2/manage/groups.
type Groups struct {
	Groups []Group `json:"groups"`
}

// CreateGroup is the body of POST /v2/manage/groups.
type CreateGroup struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Members     []string `json:"members"`
}

// UpdateGroup is the body of PATCH /v2/manage/groups/{group}: an absent
// field keeps its value. Members replaces the members; AddMembers and
// RemoveMembers change them against the group as it is when the change
// is made, so that two administrators' changes lose neither.
type UpdateGroup struct {
	Description   *string   `json:"description,omitempty"`
	Members       *[]string `json:"members,omitempty"`
	AddMembers    []string  `json:"add_members,omitempty"`
	RemoveMembers []string  `json:"remove_members,omitempty"`
}
