-- kro.nvim: the :KroGraph command. The server starts once require('kro').setup() has run.
if vim.g.loaded_kro then
  return
end
vim.g.loaded_kro = true

vim.api.nvim_create_user_command('KroGraph', function()
  require('kro').show_graph()
end, { desc = 'kro: show the dependency graph of the ResourceGraphDefinition in this buffer' })
