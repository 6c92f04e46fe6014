--- kro.nvim: starts the kro language server (kro-lsp) for ResourceGraphDefinition YAML files
--- and shows an RGD's dependency graph with :KroGraph.
---
--- Usage: require('kro').setup({ cmd = { 'kro-lsp' } })
local M = {}

local graph = require('kro.graph')

--- Defaults; `setup()` merges the user's options over them.
M.defaults = {
  --- The server command (a list, as vim.lsp takes it).
  cmd = { 'kro-lsp' },
  --- Sent to the server as initializationOptions (e.g. { clusterMode = true } for cluster
  --- mode: CRD schemas from the current kube context; clusterContext = 'name' picks another).
  init_options = {},
  --- Show the server's code lenses (each resource's wave and dependencies) and keep them fresh.
  codelens = true,
  --- How :KroGraph draws: 'auto' (kubectl-kro if on PATH, else the server), 'cli' or 'lsp'.
  graph = 'auto',
  --- Lines searched for `kind: ResourceGraphDefinition` when deciding whether to attach.
  scan_lines = 400,
  --- Set to false to skip vim.lsp.config/vim.lsp.enable on 0.11+ and use vim.lsp.start.
  use_lsp_enable = true,
}

M.options = vim.deepcopy(M.defaults)

local NAME = 'kro'

--- Whether a buffer holds a ResourceGraphDefinition (any YAML document in it).
---@param bufnr integer
---@return boolean
function M.is_rgd(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return false
  end
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, M.options.scan_lines, false)
  for _, line in ipairs(lines) do
    if line:match('^kind:%s*["\']?ResourceGraphDefinition["\']?%s*$')
      or line:match('^kind:%s*["\']?ResourceGraphDefinition["\']?%s+#')
    then
      return true
    end
  end
  return false
end

local function root_of(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local found = vim.fs.find({ '.git', 'Cargo.toml', 'kro.yaml' }, { upward = true, path = vim.fs.dirname(name) })[1]
  if found then
    return vim.fs.dirname(found)
  end
  return name ~= '' and vim.fs.dirname(name) or vim.uv.cwd()
end

local function has_enable()
  return vim.lsp.config ~= nil and vim.lsp.enable ~= nil and vim.fn.has('nvim-0.11') == 1
end

--- The client attached to a buffer, if any.
---@param bufnr integer
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  return vim.lsp.get_clients({ bufnr = bufnr, name = NAME })[1]
end

local warned = false
local function executable(cmd)
  if vim.fn.executable(cmd[1]) == 1 then
    return true
  end
  if not warned then
    warned = true
    vim.notify(
      ('kro: %s not found; install kro-lsp (cargo install --path kro-lsp) or set cmd in setup()'):format(cmd[1]),
      vim.log.levels.WARN
    )
  end
  return false
end

--- Start (or reuse) kro-lsp for a buffer if it holds an RGD. Works on every Neovim with
--- vim.lsp.start (0.8+).
---@param bufnr integer
---@return integer|nil client id
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if M.client(bufnr) or not M.is_rgd(bufnr) or not executable(M.options.cmd) then
    return nil
  end
  return vim.lsp.start({
    name = NAME,
    cmd = M.options.cmd,
    root_dir = root_of(bufnr),
    init_options = M.options.init_options,
  }, { bufnr = bufnr })
end

--- Register the `kro` config with vim.lsp.config and enable it (0.11+): attaches to yaml
--- buffers whose text is an RGD.
local function enable()
  vim.lsp.config(NAME, {
    cmd = M.options.cmd,
    filetypes = { 'yaml' },
    init_options = M.options.init_options,
    root_dir = function(bufnr, on_dir)
      if M.is_rgd(bufnr) and executable(M.options.cmd) then
        on_dir(root_of(bufnr))
      end
    end,
  })
  vim.lsp.enable(NAME)
end

--- Configure the plugin: register the server and the autocommands that attach it.
---@param opts table|nil
function M.setup(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  local group = vim.api.nvim_create_augroup('kro', { clear = true })
  -- A resource's graph lens runs `kro.showGraph`; marker lenses are labels (empty command).
  vim.lsp.commands['kro.showGraph'] = function(_, ctx)
    M.show_graph(ctx and ctx.bufnr)
  end
  vim.lsp.commands[''] = function() end
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(ev)
      local client = vim.lsp.get_client_by_id(ev.data.client_id)
      if not (M.options.codelens and client and client.name == NAME and vim.lsp.codelens) then
        return
      end
      vim.lsp.codelens.refresh({ bufnr = ev.buf })
      vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
        group = group,
        buffer = ev.buf,
        callback = function(args)
          vim.lsp.codelens.refresh({ bufnr = args.buf })
        end,
      })
    end,
  })
  if M.options.use_lsp_enable and has_enable() then
    -- vim.lsp.enable also attaches yaml buffers that are already open.
    enable()
  else
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = 'yaml',
      callback = function(ev)
        M.start(ev.buf)
      end,
    })
    -- Buffers already open when setup runs (lazy loading on ft=yaml).
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == 'yaml' then
        M.start(buf)
      end
    end
  end
  -- A yaml file that becomes an RGD while editing (a new file) attaches on save.
  vim.api.nvim_create_autocmd('BufWritePost', {
    group = group,
    pattern = { '*.yaml', '*.yml' },
    callback = function(ev)
      if vim.bo[ev.buf].filetype == 'yaml' then
        M.start(ev.buf)
      end
    end,
  })
end

--- Open the graph of the current buffer's RGDs in a split (:KroGraph).
---@param bufnr integer|nil
function M.show_graph(bufnr)
  graph.show(bufnr or vim.api.nvim_get_current_buf(), M)
end

return M
