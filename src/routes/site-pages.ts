// /terms-of-use and /faq: the default text from their templates, or the operator's own.
import type { FastifyPluginAsync } from 'fastify'
import { SitePages, sitePageNames } from '../services/site-pages.js'

const titles = { 'terms-of-use': 'Terms of use', faq: 'Frequently asked questions' } as const

const sitePageRoutes: FastifyPluginAsync = async (app) => {
  const pages = new SitePages(app.config.dataDir)
  for (const name of sitePageNames) {
    app.get(`/${name}`, async (_request, reply) => {
      const operatorText = await pages.operatorText(name)
      if (operatorText === undefined) return reply.page(name, {})
      return reply.page('site-page', { title: titles[name], operatorText })
    })
  }
}

export default sitePageRoutes
